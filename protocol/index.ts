export * from "./topics.ts";
export * from "./messages.ts";
export * from "./codes.ts";
export * from "./geo.ts";
export * from "./fields.ts";
