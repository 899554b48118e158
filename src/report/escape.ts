/** Escaping for the HTML reports (one definition, for every page and fragment). */

/**
 * The one Content-Security-Policy of every page dsim writes: nothing loads from anywhere; only the
 * page's own inline style and script run (the data is JSON read by that script, never markup).
 */
export const CSP_META = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`;

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks): one in a scenario name would
 * render BROKEN as NEKORB. They are shown as escapes, never obeyed; text of right-to-left scripts
 * keeps its own direction (names are also isolated in <bdi>).
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'))
    .replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
