import { ManualClock } from '@scaling/core';
import { MemoryStore } from '../src/_memory-store.js';
import { storeConformance } from './_conformance.js';

storeConformance('in-process', (rules) => new MemoryStore(rules, 1_000, new ManualClock()));
