// Timed single transfers of large bodies over node:http (no fetch: less client CPU,
// and exact control over Content-Length and Accept-Encoding). Each transfer opens
// its own connection.
import http from 'node:http';

/**
 * @typedef {object} Transfer
 * @property {number} status
 * @property {number} ms from the request's start to the last byte of the response
 * @property {number} bytes body bytes sent (upload) or received (download)
 * @property {number} mbPerSecond bytes / ms, in MB/s (10^6 bytes per second)
 * @property {number} [firstByteMs] download: time to the response headers
 * @property {Record<string, string | string[] | undefined>} headers response headers
 * @property {string} [text] upload: the response body
 */

/** A body fed to the socket in slices, so a multi-megabyte Buffer is not copied whole. */
const SLICE = 256 * 1024;

/**
 * Sends `body` with Content-Length and reads the (small) answer.
 * @param {object} options
 * @param {string} options.url
 * @param {string} [options.method]
 * @param {Record<string, string>} [options.headers]
 * @param {Buffer} options.body
 * @param {number} [options.timeoutMs]
 * @returns {Promise<Transfer>}
 */
export function upload({ url, method = 'POST', headers = {}, body, timeoutMs = 120_000 }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(url, {
      method,
      agent: false,
      timeout: timeoutMs,
      headers: { 'accept-encoding': 'identity', ...headers, 'content-length': String(body.length) },
    });
    request.on('timeout', () => request.destroy(new Error(`upload to ${url} timed out`)));
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const ms = performance.now() - started;
        resolve({
          status: response.statusCode ?? 0,
          ms,
          bytes: body.length,
          mbPerSecond: body.length / 1000 / ms,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    let offset = 0;
    const write = () => {
      while (offset < body.length) {
        const slice = body.subarray(offset, offset + SLICE);
        offset += slice.length;
        if (!request.write(slice)) {
          request.once('drain', write);
          return;
        }
      }
      request.end();
    };
    write();
  });
}

/**
 * GETs `url` and counts the body bytes without keeping them.
 * @param {object} options
 * @param {string} options.url
 * @param {Record<string, string>} [options.headers]
 * @param {number} [options.timeoutMs]
 * @returns {Promise<Transfer>}
 */
export function download({ url, headers = {}, timeoutMs = 120_000 }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get(url, {
      agent: false,
      timeout: timeoutMs,
      headers: { 'accept-encoding': 'identity', ...headers },
    });
    request.on('timeout', () => request.destroy(new Error(`download of ${url} timed out`)));
    request.on('error', reject);
    request.on('response', (response) => {
      const firstByteMs = performance.now() - started;
      let bytes = 0;
      response.on('data', (chunk) => {
        bytes += chunk.length;
      });
      response.on('error', reject);
      response.on('end', () => {
        const ms = performance.now() - started;
        resolve({
          status: response.statusCode ?? 0,
          ms,
          bytes,
          mbPerSecond: bytes / 1000 / ms,
          firstByteMs,
          headers: response.headers,
        });
      });
    });
  });
}
