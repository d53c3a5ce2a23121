import * as ai from 'ai-v6';
import { describeAISDK } from './ai-suite';

describeAISDK('ai 6 (V3)', ai, 'v3');
