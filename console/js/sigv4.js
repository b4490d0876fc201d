// AWS Signature Version 4 for the console's requests, as any SDK signs them: the canonical
// request (method, path URI-encoded once more, sorted query, signed headers, payload hash), the
// string to sign and the HMAC chain. Pure functions; the caller supplies the time.

import { hex, hmacSha256, sha256 } from './crypto.js';

// RFC 3986 unreserved characters stay; every other UTF-8 byte becomes %XX.
export function uriEncode(text, keepSlash = false) {
  let out = '';
  for (const b of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) {
      out += c;
    } else {
      out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

// The query of `pairs` ([name, value] strings) encoded and sorted, as sent and as signed.
export function canonicalQuery(pairs) {
  return pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

// "20260102T030405Z" for a Date.
export function amzDate(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Returns the headers to send (Host is set by the browser from the URL, and signed here).
// request: { method, host, path (already encoded), query (canonical string), headers, body }.
// credentials: { accessKeyId, secretAccessKey, sessionToken? }.
export function sign(request, credentials, region, service, date = new Date()) {
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const headers = { ...request.headers, 'x-amz-date': stamp };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const all = { ...headers, host: request.host };
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonical = [request.method, uriEncode(request.path, true), request.query || '',
    canonicalHeaders, signedHeaders, hex(sha256(request.body || ''))].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, hex(sha256(canonical))].join('\n');
  let key = hmacSha256(`AWS4${credentials.secretAccessKey}`, day);
  key = hmacSha256(key, region);
  key = hmacSha256(key, service);
  key = hmacSha256(key, 'aws4_request');
  const signature = hex(hmacSha256(key, toSign));
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
