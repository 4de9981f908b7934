Console.WriteLine("bench: no benchmarks yet");
