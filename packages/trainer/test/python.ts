import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { checkPythonTraining } from '../src/backends/local/index';

let provisioned: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/**
 * Python with PyTorch and ONNX for the real-training tests. As root with apt (CI), installs
 * Debian's python3-torch, python3-onnx and libopenblas0-pthread first; elsewhere returns the
 * reason it is missing, which the tests print when they skip.
 */
export function provisionPython(): Promise<{ ok: true } | { ok: false; reason: string }> {
  provisioned ??= (async () => {
    const first = await checkPythonTraining();
    if (first.ok) return { ok: true as const };
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return first;
    const apt = (args: string[]) =>
      execFileSync('apt-get', args, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        stdio: 'ignore',
        timeout: 20 * 60_000,
      });
    const packages = [
      'install',
      '-y',
      '--no-install-recommends',
      'python3-torch',
      'python3-onnx',
      'libopenblas0-pthread',
    ];
    try {
      apt(packages);
    } catch {
      try {
        apt(['update']);
        apt(packages);
      } catch (error) {
        return {
          ok: false as const,
          reason: `apt-get could not install python3-torch/python3-onnx: ${(error as Error).message}`,
        };
      }
    }
    const second = await checkPythonTraining();
    return second.ok ? { ok: true as const } : second;
  })();
  return provisioned;
}
