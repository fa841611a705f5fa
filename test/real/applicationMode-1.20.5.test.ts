// Application mode against real Apache Flink 1.20.5 (test/real/applicationModeSuite.ts).
import { applicationModeSuite } from './applicationModeSuite';

applicationModeSuite('1.20.5', { full: false });
