import { describe, expect, it } from 'vitest';
import { githubData, githubProperty, guardCommandLines, htmlText, markdownCode, markdownHtmlText, markdownText, terminalText } from './escape-output.js';

// Each a name, key or version someone could put in a manifest or a chart index.
const HOSTILE = {
  newlineCommand: 'web\n::error file=x::pwned',
  stopCommands: 'x\r\n::stop-commands::token',
  loneCr: 'name\r| injected | row |',
  esc: 'red\u001b[31mtext\u001b]0;title\u0007',
  bidi: 'abc\u202edcb',
  html: '<img src=x onerror=alert(1)> & <b>bold</b>',
  link: '[click](https://evil.example) ![i](https://evil.example/i.png) <https://evil.example>',
  mention: '@org/security-team please see #123',
  bareUrl: 'see https://evil.example and www.evil.example',
  emphasis: '**bold** _it_ ~~strike~~ `code` $x$',
};

describe('terminalText', () => {
  it('shows every control and reordering character escaped, on one line', () => {
    for (const text of Object.values(HOSTILE)) {
      const out = terminalText(text);
      expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/); // eslint-disable-line no-control-regex
    }
    expect(terminalText(HOSTILE.newlineCommand)).toBe('web\\n::error file=x::pwned');
    expect(terminalText(HOSTILE.esc)).toBe('red\\u{1b}[31mtext\\u{1b}]0;title\\u{7}');
    expect(terminalText(HOSTILE.bidi)).toBe('abc\\u{202e}dcb');
  });

  it('keeps lines of a whole output from starting a workflow command, past indentation and colours', () => {
    expect(guardCommandLines('ok\n::error::x\n  ::stop-commands::t\n\u001b[1m::warning::y\u001b[0m\na::b\n')).toBe(
      'ok\n\\u{3a}:error::x\n  \\u{3a}:stop-commands::t\n\u001b[1m\\u{3a}:warning::y\u001b[0m\na::b\n',
    );
  });
});

describe('markdownText', () => {
  it('leaves no HTML, link, image, emphasis, mention, reference or autolink', () => {
    const out = Object.fromEntries(Object.entries(HOSTILE).map(([k, v]) => [k, markdownText(v)]));
    expect(out.html).toBe('\\<img src=x onerror=alert(1)\\> \\& \\<b\\>bold\\</b\\>');
    expect(out.link).not.toMatch(/(^|[^\\])[[\]<]/);
    expect(out.mention).toBe('@\u200borg/security-team please see #\u200b123');
    expect(out.bareUrl).toBe('see https:\u200b//evil.example and www\u200b.evil.example');
    expect(out.emphasis).toBe('\\*\\*bold\\*\\* \\_it\\_ \\~\\~strike\\~\\~ \\`code\\` \\$x\\$');
  });

  it('cannot leave a table row: no raw CR, LF or unescaped pipe', () => {
    for (const text of Object.values(HOSTILE)) {
      const out = markdownText(text);
      expect(out).not.toMatch(/[\r\n]/);
      expect(out).not.toMatch(/(^|[^\\])\|/);
    }
  });
});

describe('markdownCode', () => {
  it('stays one code span in one table cell', () => {
    expect(markdownCode(HOSTILE.loneCr)).toBe('`name\\r\\| injected \\| row \\|`');
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode(HOSTILE.newlineCommand)).not.toMatch(/\n/);
  });
});

describe('markdownHtmlText', () => {
  it('makes every HTML character an entity', () => {
    expect(markdownHtmlText('<b a="1">&\'@x')).toBe('&#60;b a=&#34;1&#34;&#62;&#38;&#39;@\u200bx');
  });
});

describe('githubData and githubProperty', () => {
  it('percent-encode line breaks so a message cannot start a command, and show other controls', () => {
    expect(githubData(HOSTILE.stopCommands)).toBe('x%0D%0A::stop-commands::token');
    expect(githubData(HOSTILE.esc)).toBe('red\\u{1b}[31mtext\\u{1b}]0;title\\u{7}');
    expect(githubProperty('a,b:c\nd')).toBe('a%2Cb%3Ac%0Ad');
  });
});

describe('htmlText', () => {
  it('makes every HTML character an entity and every control visible, so text can neither become markup nor reorder', () => {
    expect(htmlText('<script src="x">alert(\'1\')</script>&amp;')).toBe('&#60;script src=&#34;x&#34;&#62;alert(&#39;1&#39;)&#60;/script&#62;&#38;amp;');
    expect(htmlText(HOSTILE.bidi)).toBe('abc\\u{202e}dcb');
    expect(htmlText(HOSTILE.esc)).toBe('red\\u{1b}[31mtext\\u{1b}]0;title\\u{7}');
  });
});
