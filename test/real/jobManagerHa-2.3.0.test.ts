import { jobManagerHaSuite } from './jobManagerHaSuite';

jobManagerHaSuite('2.3.0');
