/*
 * Minimal IPv4 CIDR arithmetic: parsing, overlap, and carving subnets. Subnets are computed at synth time (not
 * with Terraform's cidrsubnet) so tests and the cost estimate can read real blocks from the synthesized JSON.
 */

/** A parsed IPv4 block: network address as an unsigned 32-bit number and prefix length. */
export interface Ipv4Block {
  readonly network: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; returns undefined when malformed or when host bits are set (10.0.0.1/16). */
export function parseCidr(text: string): Ipv4Block | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { network: address, prefix };
}

export function formatCidr(block: Ipv4Block): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(block.network / 2 ** shift) % 256);
  return `${octets.join(".")}/${block.prefix}`;
}

function blockSize(block: Ipv4Block): number {
  return 2 ** (32 - block.prefix);
}

export function cidrsOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.network < b.network + blockSize(b) && b.network < a.network + blockSize(a);
}

/** The `index`-th block of `newBits` more prefix bits inside `parent` (Terraform's cidrsubnet). */
export function subnetOf(parent: Ipv4Block, newBits: number, index: number): Ipv4Block {
  const prefix = parent.prefix + newBits;
  if (prefix > 32 || index >= 2 ** newBits) {
    throw new RangeError(`cannot carve subnet ${index} of /${prefix} from ${formatCidr(parent)}`);
  }
  return { network: parent.network + index * 2 ** (32 - prefix), prefix };
}
