/** The exit-code table shown in every command's help, generated from src/model/exit-codes.ts. */
import { exitCodesHelp } from '../src/ui/exit-codes.js';

export const EXIT_CODES_HELP = exitCodesHelp();
