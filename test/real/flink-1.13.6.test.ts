// End to end against real Apache Flink 1.13.6 (test/real/realFlinkSuite.ts).
import { realFlinkSuite } from './realFlinkSuite';

realFlinkSuite('1.13.6');
