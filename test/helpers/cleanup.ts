import { afterAll, onTestFinished, TestRunner } from 'vitest';

export interface Stoppable {
  stop(): Promise<void>;
}

// Resources created outside a test (beforeAll, describe bodies, module top level) are stopped when
// the file ends. This hook is registered while the test file is being collected, i.e. when it
// imports this module; vitest isolates modules per file, so every file gets its own.
const fileScoped: Stoppable[] = [];
afterAll(async () => {
  const resources = fileScoped.splice(0).reverse();
  const results = await Promise.allSettled(resources.map((r) => r.stop()));
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
});

/**
 * Registers `resource.stop()` to run when the current test finishes, or, outside a test, when the
 * test file ends. Returns the resource, so: `const kafka = withCleanup(await startKafkaBroker())`.
 */
export function withCleanup<T extends Stoppable>(resource: T): T {
  if (TestRunner.getCurrentTest()) onTestFinished(() => resource.stop());
  else fileScoped.push(resource);
  return resource;
}
