import { compareVersions } from '../core/compat';

/** What a native binary asks of the host it runs on, read from its ELF headers. */
export interface ElfFacts {
  /** CPU architecture in `uname -m` terms (`x86_64`, `aarch64`, …), or `elf-machine-<n>` for others. */
  readonly arch: string;
  /** The C library it links against: from the program interpreter, or glibc symbol versions. */
  readonly libc?: 'glibc' | 'musl';
  /** Highest `GLIBC_x.y` symbol version it needs, e.g. `2.34`. */
  readonly glibc?: string;
}

/** ELF e_machine values of the architectures OTP is built for; named as `uname -m` names them. */
const MACHINES: Readonly<Record<number, string>> = {
  3: 'x86',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv64',
  258: 'loongarch64',
};

const PT_INTERP = 3;
const SHT_GNU_VERNEED = 0x6ffffffe;
const GLIBC_VERSION = /^GLIBC_(\d+(?:\.\d+)*)$/;

/** True when the bytes start like an ELF file. */
export const isElf = (head: Uint8Array) =>
  head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;

/** Little- or big-endian readers over one file, for 32- or 64-bit ELF. Out of range reads throw RangeError. */
function reader(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wide = bytes[4] === 2;
  const le = bytes[5] !== 2;
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  const addr = (at: number) => (wide ? Number(view.getBigUint64(at, le)) : u32(at));
  const cstring = (at: number) => {
    const end = bytes.indexOf(0, at);
    return Buffer.from(bytes.subarray(at, end < 0 ? bytes.length : end)).toString('latin1');
  };
  return { wide, le, u16, u32, addr, cstring };
}

/**
 * Read architecture, program interpreter and glibc symbol versions (`.gnu.version_r`, as `readelf -V` shows
 * them) from a whole ELF file. Returns undefined for a file that is not ELF or whose headers are cut short.
 */
export function readElf(bytes: Uint8Array): ElfFacts | undefined {
  if (!isElf(bytes) || bytes.length < 52) return undefined;
  try {
    const r = reader(bytes);
    const machine = r.u16(18);
    const name = MACHINES[machine] ?? `elf-machine-${machine}`;
    const arch = name === 'ppc64' && r.le ? 'ppc64le' : name;
    const interp = interpreter(r);
    const glibc = glibcVersions(r).sort(compareVersions).at(-1);
    const libc = interp?.includes('musl') ? 'musl' : glibc || interp?.includes('ld-linux') ? 'glibc' : undefined;
    return { arch, ...(libc ? { libc } : {}), ...(glibc ? { glibc } : {}) };
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

function interpreter(r: ReturnType<typeof reader>): string | undefined {
  const phoff = r.addr(r.wide ? 0x20 : 0x1c);
  const phentsize = r.u16(r.wide ? 0x36 : 0x2a);
  const phnum = r.u16(r.wide ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (r.u32(at) !== PT_INTERP) continue;
    return r.cstring(r.addr(at + (r.wide ? 0x08 : 0x04)));
  }
  return undefined;
}

/** Every `GLIBC_*` version named in the version-needs section (all glibc libraries use them). */
function glibcVersions(r: ReturnType<typeof reader>): string[] {
  const shoff = r.addr(r.wide ? 0x28 : 0x20);
  const shentsize = r.u16(r.wide ? 0x3a : 0x2e);
  const shnum = r.u16(r.wide ? 0x3c : 0x30);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      type: r.u32(at + 4),
      offset: r.addr(at + (r.wide ? 0x18 : 0x10)),
      link: r.u32(at + (r.wide ? 0x28 : 0x18)),
      info: r.u32(at + (r.wide ? 0x2c : 0x1c)),
    };
  };
  const found: string[] = [];
  for (let i = 0; shoff > 0 && i < shnum; i++) {
    const needs = section(i);
    if (needs.type !== SHT_GNU_VERNEED) continue;
    const strings = section(needs.link).offset;
    let entry = needs.offset;
    for (let n = 0; n < needs.info && n < 1024; n++) {
      let aux = entry + r.u32(entry + 8);
      for (let k = 0; k < r.u16(entry + 2) && k < 1024; k++) {
        const version = GLIBC_VERSION.exec(r.cstring(strings + r.u32(aux + 8)))?.[1];
        if (version) found.push(version);
        aux += r.u32(aux + 12);
      }
      const next = r.u32(entry + 12);
      if (next === 0) break;
      entry += next;
    }
  }
  return found;
}
