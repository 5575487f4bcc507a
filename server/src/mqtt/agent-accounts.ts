/**
 * Broker logins for vehicle agents. The plaintext agent password exists only
 * at registration and at a reset (the database keeps a hash), so those two
 * moments hand it here: the embedded broker forgets a cached login, a real
 * Mosquitto gets the client created or re-keyed through dynamic security.
 */
export interface AgentAccounts {
  provision(vehicleId: string, password: string): Promise<void>;
}

/** For an app with no broker attached: nothing to provision. */
export const noAgentAccounts: AgentAccounts = { provision: async () => {} };
