using MosaicFleet.Engine.Messaging;

namespace MosaicFleet.Tests.Messaging;

public sealed class CoalescerTests
{
    [Fact]
    public async Task Requests_arriving_while_a_batch_runs_go_together_in_the_next_one_in_order()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<IReadOnlyList<int>>();
        var c = new Coalescer<string, int, string>(async (key, items, ct) =>
        {
            lock (seen) seen.Add(items);
            if (items[0] == 0) await gate.Task;
            return items.Select(i => $"{key}{i}").ToList();
        }, CancellationToken.None);

        var first = c.RunAsync("h", 0);
        var rest = Enumerable.Range(1, 5).Select(i => c.RunAsync("h", i)).ToList();
        var other = c.RunAsync("g", 9); // another key does not wait for h's batch
        Assert.Equal("g9", await other.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(first.IsCompleted);
        gate.SetResult();
        Assert.Equal("h0", await first);
        Assert.Equal(["h1", "h2", "h3", "h4", "h5"], await Task.WhenAll(rest));
        Assert.Equal([[0], [9], [1, 2, 3, 4, 5]], seen.OrderBy(b => b[0] == 0 ? 0 : b[0] == 9 ? 1 : 2).Select(b => b.ToArray()));
        Assert.Equal(3, c.Batches);
    }

    [Fact]
    public async Task A_failing_batch_fails_each_of_its_requests_and_the_next_batch_still_runs()
    {
        var calls = 0;
        var c = new Coalescer<int, int, int>((_, items, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new IOException("boom");
            return Task.FromResult<IReadOnlyList<int>>(items.Select(i => i * 2).ToList());
        }, CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => c.RunAsync(1, 1));
        Assert.Equal(4, await c.RunAsync(1, 2));
    }

    [Fact]
    public async Task A_batch_that_returns_the_wrong_number_of_results_is_an_error_not_a_hang()
    {
        var c = new Coalescer<int, int, int>((_, _, _) => Task.FromResult<IReadOnlyList<int>>([]), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => c.RunAsync(1, 1).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task On_cancellation_the_request_ends_only_when_its_batch_has_stopped()
    {
        using var cts = new CancellationTokenSource();
        var cleaned = false;
        var c = new Coalescer<int, int, int>(async (_, items, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                await Task.Delay(50, CancellationToken.None);
                cleaned = true;
            }
            return items;
        }, cts.Token);
        var pending = c.RunAsync(1, 1);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.True(cleaned);
    }
}
