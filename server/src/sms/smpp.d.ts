/** The parts of the `smpp` package (farhadi/node-smpp, no bundled types) this server and its tests use. */
declare module "smpp" {
  import type { EventEmitter } from "node:events";

  export interface PDU {
    command: string;
    command_status: number;
    [field: string]: unknown;
    response(fields?: Record<string, unknown>): PDU;
  }

  export class Session extends EventEmitter {
    send(pdu: PDU): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    bind_transmitter(fields: Record<string, unknown>, callback: (pdu: PDU) => void): void;
    submit_sm(fields: Record<string, unknown>, callback: (pdu: PDU) => void): void;
    unbind(fields?: Record<string, unknown>, callback?: (pdu: PDU) => void): void;
  }

  export class Server extends EventEmitter {
    listen(port: number, host?: string, callback?: () => void): this;
    close(callback?: () => void): void;
    address(): { port: number } | string | null;
  }

  export function connect(options: { url: string; auto_enquire_link_period?: number; connectTimeout?: number }, listener?: () => void): Session;
  export function createServer(listener: (session: Session) => void): Server;

  export const ESME_ROK: number;
  export const ESME_RBINDFAIL: number;
  export const encodings: { ASCII: { match(text: string): boolean } };
}
