namespace MosaicFleet.Engine.Messaging;

/// <summary>Gathers concurrent requests of the same key into batches. The first request of a key starts a batch at once;
/// requests that arrive while a batch of their key runs wait and go together in the next one. So one agent costs one
/// call, and fifty agents that reach the same step together cost one or two calls, with no timer and no added wait.</summary>
/// <remarks>A batch receives its items in arrival order and returns one result per item, in the same order. An exception
/// from a batch (cancellation included) reaches every request of that batch.</remarks>
internal sealed class Coalescer<TKey, TItem, TResult>(
    Func<TKey, IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> runBatch,
    CancellationToken cancellationToken) where TKey : notnull
{
    private sealed class Queue
    {
        public List<(TItem Item, TaskCompletionSource<TResult> Waiter)> Waiting = [];
        public bool Running;
    }

    private readonly Dictionary<TKey, Queue> _queues = new();

    /// <summary>How many batches have run (for tests).</summary>
    public int Batches => Volatile.Read(ref _batches);

    private int _batches;

    public Task<TResult> RunAsync(TKey key, TItem item)
    {
        var waiter = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue queue;
        bool start;
        lock (_queues)
        {
            if (!_queues.TryGetValue(key, out queue!)) _queues[key] = queue = new Queue();
            queue.Waiting.Add((item, waiter));
            start = !queue.Running;
            queue.Running = true;
        }
        if (start) _ = DrainAsync(key, queue);
        // Not WaitAsync(token): on Ctrl+C the caller waits for the batch to stop (its processes killed, its cleanup
        // done), so nothing of the send is still running when the send returns.
        return waiter.Task;
    }

    private async Task DrainAsync(TKey key, Queue queue)
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Waiter)> batch;
            lock (_queues)
            {
                if (queue.Waiting.Count == 0)
                {
                    queue.Running = false;
                    return;
                }
                batch = queue.Waiting;
                queue.Waiting = [];
            }
            if (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: a batch that has not started never starts.
                foreach (var (_, waiter) in batch) waiter.TrySetCanceled(cancellationToken);
                continue;
            }
            Interlocked.Increment(ref _batches);
            try
            {
                var results = await runBatch(key, batch.Select(b => b.Item).ToList(), cancellationToken).ConfigureAwait(false);
                if (results.Count != batch.Count) throw new InvalidOperationException($"A batch of {batch.Count} returned {results.Count} results.");
                for (var i = 0; i < batch.Count; i++) batch[i].Waiter.TrySetResult(results[i]);
            }
            catch (OperationCanceledException)
            {
                foreach (var (_, waiter) in batch) waiter.TrySetCanceled(cancellationToken);
            }
            catch (Exception ex)
            {
                foreach (var (_, waiter) in batch) waiter.TrySetException(ex);
            }
        }
    }
}
