/**
 * Two spellings of one identity ("carol", "Carol", a full-width "ｃａｒｏｌ") are one person for a
 * four-eyes check: identities are compared NFKC-normalized and case-folded, so a second person
 * is never the first under another spelling.
 */
export function sameIdentity(a: string, b: string): boolean {
  const fold = (s: string) => s.normalize("NFKC").toLowerCase();
  return fold(a) === fold(b);
}
