// End to end against real Apache Flink 1.20.5 (test/real/realFlinkSuite.ts).
import { realFlinkSuite } from './realFlinkSuite';

realFlinkSuite('1.20.5');
