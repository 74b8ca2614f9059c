import * as Args from '@oclif/core/args';

export const nameArg = Args.string({ required: true, description: 'Payload name, as shown by xlp list.' });
export const fileArg = Args.string({ required: true, description: 'Payload file (an ELF object built by livepatch-build).' });
