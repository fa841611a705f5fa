// flink-mesos command line: filled in by the session core.
process.stdout.write('flink-mesos: not implemented yet\n');
