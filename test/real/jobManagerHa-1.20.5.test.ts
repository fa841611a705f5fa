import { jobManagerHaSuite } from './jobManagerHaSuite';

jobManagerHaSuite('1.20.5');
