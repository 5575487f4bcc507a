import { z } from "zod";

/** GeoJSON geometry (RFC 7946) as the API gives it: positions are [lon, lat]. */
export const position = z.tuple([z.number(), z.number()]);

export const lineString = z
  .object({ type: z.literal("LineString"), coordinates: z.array(position) })
  .meta({ id: "LineString", description: "A GeoJSON LineString, [lon, lat] positions" });
export type LineString = z.infer<typeof lineString>;

export const point = z.object({ type: z.literal("Point"), coordinates: position }).meta({ id: "Point", description: "A GeoJSON Point, [lon, lat]" });
export type Point = z.infer<typeof point>;
