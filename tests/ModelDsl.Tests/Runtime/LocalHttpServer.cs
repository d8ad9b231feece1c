using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelDsl.Tests.Runtime;

/// <summary>
/// Minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for testing downloads without a network.
/// Answers each request with the response the test chose, then closes the connection.
/// Bounded: every connection has a short read deadline, and disposing stops it.
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, Response> _respond;
    private readonly Task _loop;
    private int _requestCount;

    /// <param name="respond">Maps a request path to the response.</param>
    public LocalHttpServer(Func<string, Response> respond)
    {
        _respond = respond;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public static LocalHttpServer Serving(byte[] body) => new(_ => Response.Ok(body));

    public int Port { get; }

    public int RequestCount => Volatile.Read(ref _requestCount);

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path.TrimStart('/')}");

    /// <param name="Status">HTTP status code.</param>
    /// <param name="Body">Bytes of the body.</param>
    /// <param name="Stall">Accept the request but never answer (to test timeouts).</param>
    internal sealed record Response(int Status, byte[] Body, bool Stall = false)
    {
        public static Response Ok(byte[] body) => new(200, body);
        public static Response NotFound() => new(404, "not found"u8.ToArray());
        public static Response Stalled() => new(200, [], Stall: true);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                var stream = client.GetStream();
                string path = await ReadRequestPathAsync(stream, deadline.Token);
                Interlocked.Increment(ref _requestCount);
                var response = _respond(path);
                if (response.Stall)
                {
                    await Task.Delay(Timeout.Infinite, deadline.Token);
                    return;
                }
                string head = $"HTTP/1.1 {response.Status} {(response.Status == 200 ? "OK" : "Error")}\r\n" +
                              $"Content-Length: {response.Body.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), deadline.Token);
                await stream.WriteAsync(response.Body, deadline.Token);
                await stream.FlushAsync(deadline.Token);
            }
            catch (Exception)
            {
                // A client that gave up (timeout tests) or a stopped server: nothing to answer.
            }
        }
    }

    private static async Task<string> ReadRequestPathAsync(NetworkStream stream, CancellationToken cancel)
    {
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, cancel);
            if (read == 0) break;
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            if (received.Length > 64 * 1024) break;
        }
        string requestLine = received.ToString().Split("\r\n")[0];
        string[] parts = requestLine.Split(' ');
        return parts.Length > 1 ? parts[1] : "/";
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
