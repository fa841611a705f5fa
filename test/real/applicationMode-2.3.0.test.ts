// Application mode against real Apache Flink 2.3.0 (test/real/applicationModeSuite.ts).
import { applicationModeSuite } from './applicationModeSuite';

applicationModeSuite('2.3.0', { full: true });
