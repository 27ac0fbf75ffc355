import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartsCsp, chartsHtml, newNonce } from '../../src/extension/webview/html.js';

const parts = { cspSource: 'https://x.vscode-cdn.net', nonce: 'abc123', scriptUri: 'https://x.vscode-cdn.net/dist/webview/charts.js', styleUri: 'https://x.vscode-cdn.net/dist/webview/charts.css' };

test('the charts page CSP: nothing by default, scripts by nonce only, no eval or inline', () => {
  const csp = chartsCsp(parts);
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc123'; style-src https://x.vscode-cdn.net 'nonce-abc123'; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net");
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
});

test('the charts page loads one nonce-tagged script and one stylesheet, and runs nothing inline', () => {
  const html = chartsHtml(parts);
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${chartsCsp(parts).replace(/'/g, "'")}">`));
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, /nonce="abc123" src="https:\/\/x\.vscode-cdn\.net\/dist\/webview\/charts\.js"/);
  assert.equal(scripts[0]![2], '');
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.ok(chartsHtml({ ...parts, scriptUri: 'x"><script>' }).includes('src="x&quot;&gt;&lt;script&gt;"'));
});

test('nonces are fresh and base64', () => {
  const a = newNonce();
  assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(a, newNonce());
});
