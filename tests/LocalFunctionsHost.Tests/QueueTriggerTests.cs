using System.Text.Json.Nodes;
using Blueshift.Storage.Queues;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

[Collection(LocalHostCollection.Name)]
public sealed class QueueTriggerTests(LocalHostFixture host)
{
    private const string QueueName = "blueshift-diagnostics";

    private static readonly QueueClientOptions Base64 = new() { MessageEncoding = QueueMessageEncoding.Base64 };

    [Fact]
    public async Task MessageOnQueue_IsDeliveredOnceAndDeleted()
    {
        var queue = new QueueClient(host.Azurite.ConnectionString, QueueName, Base64);
        await queue.CreateIfNotExistsAsync();
        var text = "deliver-" + Guid.NewGuid().ToString("N");

        var sent = await queue.SendMessageAsync(text);

        var delivered = await LocalHostFixture.WaitForAsync(
            () => InvocationsOfAsync(text),
            invocations => invocations.Count >= 1,
            TimeSpan.FromSeconds(30),
            $"delivery of {text}");
        Assert.Equal(1, (long)delivered[0]["dequeueCount"]!);
        await LocalHostFixture.WaitForAsync(
            async () => (await queue.PeekMessagesAsync(32)).Count(m => m.MessageId == sent.MessageId),
            count => count == 0,
            TimeSpan.FromSeconds(15),
            "deletion of the delivered message");
        Assert.Single(await InvocationsOfAsync(text));
    }

    [Fact]
    public async Task FailingMessage_IsRetriedMaxDequeueCountTimesThenMovedToPoisonQueue()
    {
        var queue = new QueueClient(host.Azurite.ConnectionString, QueueName, Base64);
        var poison = new QueueClient(host.Azurite.ConnectionString, QueueName + "-poison", Base64);
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("fail");

        var poisoned = await LocalHostFixture.WaitForAsync(
            async () => { try { return await poison.PeekMessagesAsync(32); } catch (Azure.RequestFailedException ex) when (ex.Status == 404) { return []; } },
            messages => messages.Any(m => m.MessageText == "fail"),
            TimeSpan.FromSeconds(90),
            "the failing message reaching the poison queue");
        Assert.Contains(poisoned, m => m.MessageText == "fail" && !m.DecodingFailed);
        var attempts = (await InvocationsOfAsync("fail")).Select(i => (long)i["dequeueCount"]!).ToArray();
        Assert.Equal([1L, 2, 3, 4, 5], attempts);
        Assert.DoesNotContain(await queue.PeekMessagesAsync(32), m => m.MessageText == "fail");
    }

    private async Task<List<JsonNode>> InvocationsOfAsync(string message)
    {
        var json = await host.Client.GetStringAsync($"/api/diagnostics/invocations?code={LocalHostFixture.MasterKey}");
        return JsonNode.Parse(json)!.AsArray()
            .Where(i => (string?)i!["function"] == "DiagnosticsQueue" && (string?)i["message"] == message)
            .Select(i => i!)
            .ToList();
    }
}
