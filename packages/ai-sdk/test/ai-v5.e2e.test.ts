import * as ai from 'ai-v5';
import type * as AI from 'ai-v6';
import { describeAISDK } from './ai-suite';

// `ai` 5 speaks the V2 spec; its API matches `ai` 6 everywhere this suite uses it (the one
// difference, `experimental_output`, is handled in the suite).
describeAISDK('ai 5 (V2)', ai as unknown as typeof AI, 'v2');
