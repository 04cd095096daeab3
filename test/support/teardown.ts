import { errorMessage } from '../../src/llm-manager/common/error-message';

/**
 * What a rig started, closed in reverse order. Every step runs even when an earlier one throws (a browser that will
 * not close must not leave the database behind), and the first error is rethrown once all have run.
 */
export class Teardown {
  private readonly steps: Array<() => unknown> = [];

  /** Registers how to undo what was just started; returns the value so a start reads as one line. */
  add<T>(value: T, undo: (value: T) => unknown): T {
    this.steps.push(() => undo(value));
    return value;
  }

  /** Runs every step, last added first. */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /**
   * Runs `start` and, when it throws, undoes whatever it had started before rethrowing: a `beforeAll` that fails
   * half-way leaves no server, browser or database open to keep Jest from exiting.
   */
  async guard<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      try {
        await this.run();
      } catch (undoError) {
        throw new AggregateError([error, undoError], `${errorMessage(error)}; undoing the start failed too: ${errorMessage(undoError)}`);
      }
      throw error;
    }
  }
}
