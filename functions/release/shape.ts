import { refuse } from './errors';
import type { ReleaseTree } from './rules';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

const childrenOf = (tree: ReleaseTree, dir: string, kind: 'file' | 'dir') =>
  [...tree.kinds]
    .filter(([path, k]) => k === kind && path.startsWith(`${dir}/`) && !path.slice(dir.length + 1).includes('/'))
    .map(([path]) => path.slice(dir.length + 1));

/**
 * An OTP release has `bin/<name>` and `releases/<vsn>/` (with `<name>.rel` inside, as `mix release` writes).
 * Returns the release name and version; refuses a tarball that is not shaped like one.
 */
export function releaseShape(tree: ReleaseTree, releaseName?: string): { releaseName: string; version: string } {
  const bins = childrenOf(tree, 'bin', 'file');
  const versions = childrenOf(tree, 'releases', 'dir');
  const hasRel = (name: string, vsn: string) => tree.kinds.get(`releases/${vsn}/${name}.rel`) === 'file';
  if (releaseName !== undefined && !bins.includes(releaseName)) {
    refuse(
      `bin/${releaseName}`,
      `missing — the release must hold bin/${releaseName} (found: ${bins.join(', ') || 'none'})`,
    );
  }
  const names = releaseName !== undefined ? [releaseName] : bins.filter((n) => versions.some((v) => hasRel(n, v)));
  const name = names.length === 1 ? names[0] : bins.length === 1 ? bins[0] : undefined;
  if (name === undefined) {
    refuse('bin/', `cannot tell the release name among [${bins.join(', ')}] — pass the release name`);
  }
  if (versions.length === 0) refuse('releases/', 'missing — the release must hold releases/<vsn>/');
  const withRel = versions.filter((v) => hasRel(name, v));
  const version = withRel.length === 1 ? withRel[0] : versions.length === 1 ? versions[0] : undefined;
  if (version === undefined) refuse('releases/', `cannot tell the version among [${versions.join(', ')}]`);
  if (!VERSION.test(version)) refuse(`releases/${version}/`, 'is not a valid version name');
  return { releaseName: name, version };
}
