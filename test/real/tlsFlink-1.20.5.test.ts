import { tlsFlinkSuite } from './tlsFlinkSuite';

tlsFlinkSuite('1.20.5');
