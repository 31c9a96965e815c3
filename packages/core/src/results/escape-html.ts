/**
 * Escapes text for HTML element content and quoted attribute values. Target names come from
 * user-uploaded file names and library metadata, so every one of them goes through here.
 *
 * @example
 * escapeHtml(`<script>alert("1")</script>`) // "&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
