// End to end against real Apache Flink 2.3.0 (test/real/realFlinkSuite.ts).
import { realFlinkSuite } from './realFlinkSuite';

realFlinkSuite('2.3.0');
