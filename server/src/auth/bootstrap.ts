import { generateSecret } from "../crypto/passwords.ts";
import type { AuthRepository } from "./auth.repository.ts";

/**
 * On first start with an empty database: create `admin` with ADMIN_PASSWORD,
 * or with a generated password that the caller prints once (never logged).
 */
export async function ensureAdmin(auth: AuthRepository, adminPassword?: string): Promise<{ generatedPassword?: string } | null> {
  if (await auth.hasAnyUser()) return null;
  const password = adminPassword ?? generateSecret(12);
  await auth.createUser({ username: "admin", password, role: "admin" });
  return adminPassword ? {} : { generatedPassword: password };
}
