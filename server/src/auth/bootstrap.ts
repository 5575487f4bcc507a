import { generateSecret } from "../crypto/passwords.ts";
import type { AuthRepository } from "./auth.repository.ts";

/**
 * On first start with an empty database: create `admin` with ADMIN_PASSWORD,
 * or with a generated password that the caller prints once (never logged).
 */
export async function ensureAdmin(auth: AuthRepository, adminPassword?: string): Promise<{ generatedPassword?: string } | null> {
  if (await auth.hasAnyUser()) return null;
  const password = adminPassword ?? generateSecret(12);
  try {
    await auth.createUser({ username: "admin", password, role: "admin" });
  } catch (err) {
    // Several web processes starting at once on an empty database: one of them created it first.
    if (await auth.hasAnyUser()) return null;
    throw err;
  }
  return adminPassword ? {} : { generatedPassword: password };
}
