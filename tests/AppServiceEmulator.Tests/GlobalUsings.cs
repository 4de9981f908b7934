global using Blueshift.Testing;
global using Xunit;
