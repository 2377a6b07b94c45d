import { describe, expect, it } from 'vitest';
import { redactUrl, splitUrlCredentials } from './redact-url.js';

describe('redactUrl', () => {
  it('removes the whole userinfo, up to the last @ before the path', () => {
    expect(redactUrl('https://user:p@ss@host.example/repo.git')).toBe('https://host.example/repo.git');
    expect(redactUrl('https://user:p@ss@host.example')).toBe('https://host.example');
    expect(redactUrl('oci://token@registry.example:5000/charts?x=1')).toBe('oci://registry.example:5000/charts?x=1');
    expect(redactUrl('http://:secret@127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/');
  });

  it('keeps an @ in the path, query or fragment', () => {
    expect(redactUrl('https://host.example/npm/@scope/pkg')).toBe('https://host.example/npm/@scope/pkg');
    expect(redactUrl('https://u:pw@host.example/a@b?c=d@e#f@g')).toBe('https://host.example/a@b?c=d@e#f@g');
  });

  it('redacts every URL in a message', () => {
    expect(redactUrl('Fetching https://a:b@one.example/x failed; tried http://c:d@e@two.example too.')).toBe(
      'Fetching https://one.example/x failed; tried http://two.example too.',
    );
  });
});

describe('splitUrlCredentials', () => {
  it('returns the URL without userinfo and the decoded credentials', () => {
    expect(splitUrlCredentials('https://us%40er:p@ss%2F:x@host.example/r.git')).toEqual({ url: 'https://host.example/r.git', username: 'us@er', password: 'p@ss/:x' });
    expect(splitUrlCredentials('https://token@host.example/r.git')).toEqual({ url: 'https://host.example/r.git', username: 'token' });
    expect(splitUrlCredentials('https://host.example/@scope')).toEqual({ url: 'https://host.example/@scope' });
  });
});
