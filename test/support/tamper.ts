// What an attacker sends: credentials changed just enough to be wrong.

/**
 * A JWS signature changed in one character that carries signature bits. The last character of a
 * base64url Ed25519 or ES256 signature also holds bits decoders ignore: changing only it may leave
 * the signature as it was.
 */
export function tamperedSignature(signature: string): string {
  const at = Math.floor(signature.length / 2);
  return `${signature.slice(0, at)}${signature[at] === "A" ? "B" : "A"}${signature.slice(at + 1)}`;
}
