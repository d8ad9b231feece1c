using System.Runtime.InteropServices;

namespace ModelDsl.Distributed;

/// <summary>
/// The few MPI calls data-parallel training needs, bound at run time to MPICH's <c>libmpich.so.12</c> (or the library
/// <c>MODELDSL_MPI_LIBRARY</c> names) through function pointers: no managed MPI package, no library renamed to MS-MPI's.
/// </summary>
/// <remarks>
/// Handles are MPICH's ABI: <c>MPI_Comm</c>, <c>MPI_Datatype</c> and <c>MPI_Op</c> are 32-bit integers whose values are
/// fixed in MPICH's <c>mpi.h</c> (checked against MPICH 4.0's, Debian 12). MS-MPI, Intel MPI and Cray MPICH share this ABI;
/// Open MPI does not (its handles are pointers), so it is refused by name.
/// </remarks>
internal static unsafe class MpiLibrary
{
    // mpi.h (MPICH ABI)
    public const int CommWorld = 0x44000000;
    public const int Byte = 0x4c00010d;
    public const int Float = 0x4c00040a;
    public const int Double = 0x4c00080b;
    public const int Sum = 0x58000003;
    public const int ThreadSerialized = 2;
    private static readonly void* InPlace = (void*)-1;

    private static readonly string[] Candidates = ["libmpich.so.12", "libmpich.so", "libmpi.so.12", "libmpich.12.dylib"];

    private static delegate* unmanaged<int*, int> _initialized;
    private static delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private static delegate* unmanaged<int*, int> _finalized;
    private static delegate* unmanaged<int> _finalize;
    private static delegate* unmanaged<int, int*, int> _commRank;
    private static delegate* unmanaged<int, int*, int> _commSize;
    private static delegate* unmanaged<void*, int, int, int, int, int> _bcast;
    private static delegate* unmanaged<void*, void*, int, int, int, int, int> _allreduce;
    private static delegate* unmanaged<void*, int, int, void*, int, int, int, int> _allgather;
    private static delegate* unmanaged<int, int> _barrier;
    private static delegate* unmanaged<int, int, int> _abort;

    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>Loads the library and initialises MPI once per process (serialized threading: one call at a time, from any thread).</summary>
    public static void EnsureInitialised()
    {
        lock (Gate)
        {
            if (!_loaded) Load();
            int flag;
            Check(_initialized(&flag), "MPI_Initialized");
            if (flag != 0) return;
            int provided;
            Check(_initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
            // MPI_Finalize is collective: every rank that returns normally calls it once, at exit.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Finalise();
        }
    }

    private static void Finalise()
    {
        int flag;
        if (_finalized(&flag) == 0 && flag == 0) _finalize();
    }

    public static int Rank() { int r; Check(_commRank(CommWorld, &r), "MPI_Comm_rank"); return r; }

    public static int Size() { int n; Check(_commSize(CommWorld, &n), "MPI_Comm_size"); return n; }

    public static void Broadcast(void* buffer, long count, int datatype, int elementSize, int root)
    {
        // Counts are C ints: send more than 2^31 − 1 elements in pieces.
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(count - done, int.MaxValue / 2);
            Check(_bcast((byte*)buffer + done * elementSize, n, datatype, root, CommWorld), "MPI_Bcast");
            done += n;
        }
    }

    public static void AllReduceSum(void* buffer, long count, int datatype, int elementSize)
    {
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(count - done, int.MaxValue / 2);
            Check(_allreduce(InPlace, (byte*)buffer + done * elementSize, n, datatype, Sum, CommWorld), "MPI_Allreduce");
            done += n;
        }
    }

    /// <summary>Every rank's <paramref name="count"/> elements, in rank order, into every rank's <paramref name="receive"/>.</summary>
    public static void AllGather(void* send, void* receive, int count, int datatype) =>
        Check(_allgather(send, count, datatype, receive, count, datatype, CommWorld), "MPI_Allgather");

    public static void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    /// <summary>Ends every rank of the job (MPICH's launcher kills the others); does not return.</summary>
    public static void Abort(int errorCode) => _abort(CommWorld, errorCode);

    private static void Check(int code, string call)
    {
        // The default error handler (MPI_ERRORS_ARE_FATAL) aborts before a failed call returns; this is the fallback.
        if (code != 0) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }

    private static void Load()
    {
        string? explicitPath = Environment.GetEnvironmentVariable("MODELDSL_MPI_LIBRARY");
        nint handle = 0;
        bool found = !string.IsNullOrEmpty(explicitPath)
            ? NativeLibrary.TryLoad(explicitPath, out handle)
            : Candidates.Any(name => NativeLibrary.TryLoad(name, out handle));
        if (!found)
            throw new MpiUnavailableException(string.IsNullOrEmpty(explicitPath)
                ? $"Data-parallel training needs MPICH's library ({string.Join(", ", Candidates)}), which was not found. Install MPICH (Debian/Ubuntu: apt-get install mpich) or set MODELDSL_MPI_LIBRARY to a library with MPICH's ABI."
                : $"MODELDSL_MPI_LIBRARY names '{explicitPath}', which could not be loaded.");
        _initialized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Initialized");
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(handle, "MPI_Init_thread");
        _finalized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        _commRank = (delegate* unmanaged<int, int*, int>)Export(handle, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<int, int*, int>)Export(handle, "MPI_Comm_size");
        _bcast = (delegate* unmanaged<void*, int, int, int, int, int>)Export(handle, "MPI_Bcast");
        _allreduce = (delegate* unmanaged<void*, void*, int, int, int, int, int>)Export(handle, "MPI_Allreduce");
        _allgather = (delegate* unmanaged<void*, int, int, void*, int, int, int, int>)Export(handle, "MPI_Allgather");
        _barrier = (delegate* unmanaged<int, int>)Export(handle, "MPI_Barrier");
        _abort = (delegate* unmanaged<int, int, int>)Export(handle, "MPI_Abort");
        _loaded = true;
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new MpiUnavailableException($"The MPI library has no export '{name}'; it is not an MPI library with MPICH's ABI.");
}
