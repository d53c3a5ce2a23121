import { describe, expect, it } from 'vitest';
import { parseHfLogLine } from './hf-log';

describe('parseHfLogLine', () => {
  it('reads the Trainer log dict, including numpy-wrapped values', () => {
    expect(
      parseHfLogLine(
        "{'loss': 0.6543, 'grad_norm': 1.2345, 'learning_rate': 4.5e-05, 'epoch': 0.12}",
      ),
    ).toEqual({
      kind: 'metrics',
      values: { loss: 0.6543, grad_norm: 1.2345, learning_rate: 4.5e-5, epoch: 0.12 },
    });
    expect(parseHfLogLine("{'loss': np.float64(1.5), 'epoch': 1.0, 'grad_norm': nan}")).toEqual({
      kind: 'metrics',
      values: { loss: 1.5, epoch: 1 },
    });
    expect(
      parseHfLogLine("{'train_runtime': 12.3, 'train_loss': 0.7654, 'epoch': 1.0}"),
    ).toMatchObject({
      values: { train_loss: 0.7654 },
    });
  });

  it('reads tqdm bars with elapsed<remaining, with hours, and before the rate is known', () => {
    expect(parseHfLogLine(' 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s]')).toEqual({
      kind: 'bar',
      step: 45,
      total: 100,
      etaSeconds: 12,
    });
    expect(parseHfLogLine('  3%|▎         | 30/1000 [1:02:03<2:00:01,  1.2s/it]')).toEqual({
      kind: 'bar',
      step: 30,
      total: 1000,
      etaSeconds: 7201,
    });
    expect(parseHfLogLine('  0%|          | 0/50 [00:00<?, ?it/s]')).toEqual({
      kind: 'bar',
      step: 0,
      total: 50,
    });
  });

  it('reads checkpoint saves and ignores everything else', () => {
    expect(
      parseHfLogLine('[INFO|trainer.py:3984] Saving model checkpoint to out/checkpoint-500'),
    ).toEqual({
      kind: 'checkpoint',
      step: 500,
      path: 'out/checkpoint-500',
    });
    for (const line of ['***** Running training *****', '{}', '{not: a dict}', 'loss 0.5', ''])
      expect(parseHfLogLine(line)).toBeUndefined();
  });
});
