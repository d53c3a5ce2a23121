import type { TrainingProgress } from './job';

/** @internal One line of the CLI's progress display: bar, steps, loss, learning rate, ETA. */
export function formatProgress(progress: TrainingProgress, width = 24): string {
  const fraction = progress.totalSteps > 0 ? Math.min(1, progress.step / progress.totalSteps) : 0;
  const filled = Math.round(fraction * width);
  const parts = [
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`,
    `${progress.step}/${progress.totalSteps}`,
  ];
  if (progress.loss !== undefined) parts.push(`loss ${formatNumber(progress.loss)}`);
  if (progress.learningRate !== undefined)
    parts.push(`lr ${progress.learningRate.toExponential(1)}`);
  if (progress.epoch !== undefined) parts.push(`epoch ${progress.epoch.toFixed(2)}`);
  if (progress.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(progress.etaSeconds)}`);
  return parts.join('  ');
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 0.01 || value === 0 ? value.toFixed(4) : value.toExponential(2);
}

/** @internal `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}
