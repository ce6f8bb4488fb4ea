// One request before measuring: checks a target answers what the scenario expects.

/**
 * @typedef {object} Probe
 * @property {number} status
 * @property {string | null} contentType
 * @property {string} body
 * @property {number} bodyBytes
 * @property {number} headerBytes approximate size of the response header block ("name: value\r\n" per header)
 * @property {string[]} headerNames
 */

/**
 * Sends one request. Like autocannon, it asks for no compression: fetch would
 * otherwise offer gzip, and workerd compresses JSON when offered.
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<Probe>}
 */
export async function probe(url, init = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(5000) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let headerBytes = 0;
  const headerNames = [];
  for (const [name, value] of response.headers) {
    headerBytes += name.length + value.length + 4;
    headerNames.push(name);
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: new TextDecoder().decode(bytes),
    bodyBytes: bytes.length,
    headerBytes,
    headerNames,
  };
}
