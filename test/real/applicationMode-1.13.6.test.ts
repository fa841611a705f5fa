// Application mode against real Apache Flink 1.13.6 (test/real/applicationModeSuite.ts).
import { applicationModeSuite } from './applicationModeSuite';

applicationModeSuite('1.13.6', { full: false });
