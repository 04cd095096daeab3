import { Injectable } from '@nestjs/common';

/** The current time, behind an injectable so tests set it instead of sleeping. */
export abstract class Clock {
  /** The current instant. */
  abstract now(): Date;
}

/** The machine's clock: what the library uses outside tests. */
@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
