import { z } from "zod";

export const staffRole = z.enum(["admin", "operator", "tracer", "authority"]);
export type StaffRole = z.infer<typeof staffRole>;

export const staffUser = z
  .object({ id: z.string(), username: z.string(), role: staffRole, operatorId: z.string().nullable() })
  .meta({ id: "StaffUser" });
export type StaffUser = z.infer<typeof staffUser>;

/** A staff account as admin sees it in the user list. */
export const staffAccount = staffUser
  .extend({
    operator: z.string().nullable().describe("The operator (company) an operator account belongs to, by name"),
    disabledAt: z.string().nullable(),
  })
  .meta({ id: "StaffAccount" });
export type StaffAccount = z.infer<typeof staffAccount>;

export const staffAccounts = z.object({ users: z.array(staffAccount) });
