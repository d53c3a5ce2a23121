import { describeStorageConformance } from '../conformance';
import { createMemoryStorage } from './index';

describeStorageConformance('memory', () => createMemoryStorage());
