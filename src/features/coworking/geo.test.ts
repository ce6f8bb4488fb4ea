import { describe, expect, it } from 'vitest';
import { boundingBox, formatDistance, haversineMeters } from './geo';

describe('haversineMeters', () => {
  it('should measure a degree of latitude as about 111 km', () => {
    expect(haversineMeters({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111_195, -1);
  });

  it('should measure across the ±180° meridian the short way', () => {
    expect(haversineMeters({ lat: 0, lng: 179.9995 }, { lat: 0, lng: -179.9995 })).toBeCloseTo(111.2, 0);
  });

  it('should measure across a pole', () => {
    expect(haversineMeters({ lat: 89.9999, lng: 0 }, { lat: 89.9999, lng: 180 })).toBeCloseTo(22.2, 0);
  });

  it('should be zero for the same point', () => {
    expect(haversineMeters({ lat: 48.85, lng: 2.35 }, { lat: 48.85, lng: 2.35 })).toBe(0);
  });
});

describe('boundingBox', () => {
  it('should hold every point of the circle in one range away from the poles and the meridian', () => {
    const center = { lat: 48.8566, lng: 2.3522 };
    const box = boundingBox(center, 1000);
    expect(box.lngRanges).toHaveLength(1);
    const [[minLng, maxLng]] = box.lngRanges as [[number, number]];
    // 1 km east and north are just inside the box.
    expect(haversineMeters(center, { lat: box.maxLat, lng: center.lng })).toBeCloseTo(1000, 0);
    expect(haversineMeters(center, { lat: center.lat, lng: maxLng })).toBeGreaterThanOrEqual(999);
    expect(minLng).toBeLessThan(center.lng);
  });

  it('should split the longitudes in two when the box crosses +180°', () => {
    const box = boundingBox({ lat: 0, lng: 179.9995 }, 200);
    expect(box.lngRanges).toHaveLength(2);
    expect(box.lngRanges[0]?.[1]).toBe(180);
    expect(box.lngRanges[1]?.[0]).toBe(-180);
    expect(box.lngRanges[1]?.[1]).toBeGreaterThan(-180);
  });

  it('should split the longitudes in two when the box crosses -180°', () => {
    const box = boundingBox({ lat: 0, lng: -179.9995 }, 200);
    expect(box.lngRanges).toHaveLength(2);
    expect(box.lngRanges[0]?.[0]).toBeLessThan(180);
    expect(box.lngRanges[0]?.[1]).toBe(180);
    expect(box.lngRanges[1]).toEqual([-180, expect.any(Number)]);
  });

  it('should take every longitude when the circle reaches a pole', () => {
    expect(boundingBox({ lat: 89.9999, lng: 10 }, 50)).toEqual({
      minLat: expect.any(Number),
      maxLat: 90,
      lngRanges: [[-180, 180]],
    });
    expect(boundingBox({ lat: -89.9999, lng: 10 }, 50).lngRanges).toEqual([[-180, 180]]);
  });
});

describe('formatDistance', () => {
  it('should say metres under a kilometre and kilometres above', () => {
    expect(formatDistance(61.4)).toBe('61 m');
    expect(formatDistance(1234)).toBe('1.2 km');
    expect(formatDistance(250_000)).toBe('250 km');
  });
});
