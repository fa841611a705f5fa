import { tlsFlinkSuite } from './tlsFlinkSuite';

tlsFlinkSuite('2.3.0');
