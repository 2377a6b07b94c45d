import { describe, expect, it } from 'vitest';
import { classifyNetworkError } from './read-cluster-facts.js';

describe('classifyNetworkError', () => {
  it('names the usual socket and TLS failures', () => {
    expect(classifyNetworkError('connect ECONNREFUSED 127.0.0.1:6443')).toBe('ConnectionRefused');
    expect(classifyNetworkError('request to 10.0.0.1:443 timed out')).toBe('Timeout');
    expect(classifyNetworkError('getaddrinfo ENOTFOUND api.example.com')).toBe('DNSError');
    expect(classifyNetworkError('self-signed certificate in certificate chain')).toBe('TLSError');
    expect(classifyNetworkError('something else')).toBe('Unknown');
  });
});
