/** Pure geometry for coworking: how far two points are, and the box a radius fits in. */

export interface Point {
  lat: number;
  lng: number;
}

/** The mean Earth radius (IUGG), in metres. */
const EARTH_RADIUS_M = 6_371_008.8;

const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
const toDegrees = (radians: number) => (radians * 180) / Math.PI;

/** Great-circle distance in metres (haversine: accurate at the short distances a café is about). */
export function haversineMeters(a: Point, b: Point): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLng = toRadians(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface BoundingBox {
  minLat: number;
  maxLat: number;
  /** One range, or two when the box crosses the ±180° meridian; the full circle near a pole. */
  lngRanges: [number, number][];
}

/**
 * The smallest latitude/longitude box holding every point within `radiusMeters` of `center`
 * (J. Matuschek's bounds). A box that reaches a pole holds every longitude; one that crosses
 * ±180° is split in two, so each range can be read from an ordinary index.
 */
export function boundingBox(center: Point, radiusMeters: number): BoundingBox {
  const angular = radiusMeters / EARTH_RADIUS_M;
  const lat = toRadians(center.lat);
  const minLat = toDegrees(lat - angular);
  const maxLat = toDegrees(lat + angular);
  if (maxLat >= 90 || minLat <= -90) {
    return { minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90), lngRanges: [[-180, 180]] };
  }
  const dLng = toDegrees(Math.asin(Math.min(1, Math.sin(angular) / Math.cos(lat))));
  const minLng = center.lng - dLng;
  const maxLng = center.lng + dLng;
  if (minLng < -180) {
    return {
      minLat,
      maxLat,
      lngRanges: [
        [minLng + 360, 180],
        [-180, maxLng],
      ],
    };
  }
  if (maxLng > 180) {
    return {
      minLat,
      maxLat,
      lngRanges: [
        [minLng, 180],
        [-180, maxLng - 360],
      ],
    };
  }
  return { minLat, maxLat, lngRanges: [[minLng, maxLng]] };
}

/** A distance as people say it: metres under a kilometre, else kilometres with one decimal. */
export function formatDistance(meters: number): string {
  if (meters < 1000) return `${Math.round(meters)} m`;
  return `${(meters / 1000).toFixed(meters < 100_000 ? 1 : 0)} km`;
}
