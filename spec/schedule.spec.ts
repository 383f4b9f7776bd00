import { expect } from 'chai';
import { UsageError } from '../lib/errors.js';
import { makeSchedule, resolveWarmupSteps } from '../lib/training/schedule.js';

// Expected values printed by Python with transformers' lambdas (base_lr * lambda(step)), repr'd.
describe('learning-rate schedules', () => {
  it('linear with warmup equals get_linear_schedule_with_warmup', () => {
    const lr = makeSchedule({ kind: 'linear', baseLr: 2e-5, warmupSteps: 10, totalSteps: 100 });
    const steps = [0, 1, 5, 9, 10, 11, 55, 99, 100, 150];
    const want = [0, 2.0000000000000003e-6, 1e-5, 1.8e-5, 2e-5, 1.977777777777778e-5, 1e-5, 2.2222222222222224e-7, 0, 0];
    expect(steps.map(lr)).to.deep.equal(want);
  });

  it('linear without warmup starts at the full lr and reaches 0 at totalSteps', () => {
    const lr = makeSchedule({ kind: 'linear', baseLr: 5e-5, warmupSteps: 0, totalSteps: 4 });
    expect([0, 1, 2, 3, 4, 5].map(lr)).to.deep.equal([5e-5, 3.7500000000000003e-5, 2.5e-5, 1.25e-5, 0, 0]);
  });

  it('constant_with_warmup ramps then holds', () => {
    const lr = makeSchedule({ kind: 'constant_with_warmup', baseLr: 2e-5, warmupSteps: 10, totalSteps: 100 });
    expect([0, 1, 9, 10, 500].map(lr)).to.deep.equal([0, 2.0000000000000003e-6, 1.8e-5, 2e-5, 2e-5]);
  });

  it('constant ignores warmup', () => {
    const lr = makeSchedule({ kind: 'constant', baseLr: 3e-4, warmupSteps: 10, totalSteps: 100 });
    expect([0, 5, 99, 1000].map(lr)).to.deep.equal([3e-4, 3e-4, 3e-4, 3e-4]);
  });

  it('warmup equal to totalSteps never divides by zero', () => {
    const lr = makeSchedule({ kind: 'linear', baseLr: 1, warmupSteps: 4, totalSteps: 4 });
    expect([0, 2, 4, 5].map(lr)).to.deep.equal([0, 0.5, 0, 0]);
  });

  it('rejects bad options and steps', () => {
    expect(() => makeSchedule({ kind: 'linear', baseLr: -1, warmupSteps: 0, totalSteps: 1 })).to.throw(UsageError);
    expect(() => makeSchedule({ kind: 'linear', baseLr: 1, warmupSteps: 1.5, totalSteps: 1 })).to.throw(UsageError, /warmupSteps/);
    expect(() => makeSchedule({ kind: 'linear', baseLr: 1, warmupSteps: 0, totalSteps: 0 })).to.throw(UsageError, /totalSteps/);
    expect(() => makeSchedule({ kind: 'cosine' as 'linear', baseLr: 1, warmupSteps: 0, totalSteps: 1 })).to.throw(UsageError, /cosine/);
    expect(() => makeSchedule({ kind: 'linear', baseLr: 1, warmupSteps: 0, totalSteps: 5 })(-1)).to.throw(UsageError, /step/);
  });
});

describe('resolveWarmupSteps', () => {
  it('uses warmupSteps when > 0, else ceil(totalSteps * warmupRatio), as TrainingArguments.get_warmup_steps', () => {
    expect(resolveWarmupSteps({ warmupSteps: 7, warmupRatio: 0.5, totalSteps: 100 })).to.equal(7);
    expect(resolveWarmupSteps({ warmupRatio: 0.1, totalSteps: 1700 })).to.equal(170);
    expect(resolveWarmupSteps({ warmupRatio: 0.1, totalSteps: 7 })).to.equal(1); // ceil(0.7)
    expect(resolveWarmupSteps({ totalSteps: 100 })).to.equal(0);
    // transformers checks warmup_steps > 0, so an explicit 0 falls through to the ratio.
    expect(resolveWarmupSteps({ warmupSteps: 0, warmupRatio: 0.1, totalSteps: 100 })).to.equal(10);
  });

  it('keeps the float rounding Python has: ceil(100 * 0.07) = 8', () => {
    expect(resolveWarmupSteps({ warmupRatio: 0.07, totalSteps: 100 })).to.equal(8);
  });

  it('rejects bad input', () => {
    expect(() => resolveWarmupSteps({ warmupRatio: 1.5, totalSteps: 10 })).to.throw(UsageError, /warmupRatio/);
    expect(() => resolveWarmupSteps({ warmupSteps: -1, totalSteps: 10 })).to.throw(UsageError, /warmupSteps/);
    expect(() => resolveWarmupSteps({ totalSteps: 0 })).to.throw(UsageError, /totalSteps/);
  });
});
