//! The block-range request protocol on libp2p streams: SCALE in length-prefixed frames, in
//! both versions of the protocol.

use codec::{Decode, Encode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;

use super::{
    decode_all, BlockRequest, BlockResponse, Direction, FromBlock, MAX_REQUEST_BYTES,
    MAX_RESPONSE_BYTES,
};

/// The request-response protocol for block ranges. Version 2: a request says whether it wants
/// the blocks' bodies (version 1 always sent them, also to a peer asking where we stand).
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/luxtensor/sync/2");
/// Version 1 of [`SYNC_PROTOCOL`]: requests without the `body` flag, answered with bodies.
/// Still served, and spoken to peers that know nothing newer, so that the nodes of a network
/// can be upgraded one at a time and keep syncing from each other meanwhile.
pub const SYNC_PROTOCOL_V1: StreamProtocol = StreamProtocol::new("/luxtensor/sync/1");
/// The versions of the block-range protocol this node speaks, the preferred one first.
pub const SYNC_PROTOCOLS: [StreamProtocol; 2] = [SYNC_PROTOCOL, SYNC_PROTOCOL_V1];

/// A request as version 1 of the protocol sends it: the same fields, less `body`.
#[derive(Encode, Decode)]
struct BlockRequestV1 {
    from: FromBlock,
    direction: Direction,
    max: u32,
}

/// SCALE over a length-prefixed frame, with size limits both ways.
#[derive(Clone, Copy, Debug, Default)]
pub struct SyncCodec;

async fn read_frame<T: AsyncRead + Unpin + Send>(
    io: &mut T,
    max: usize,
) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("frame of {len} bytes over the {max}-byte limit"),
        ));
    }
    let mut data = vec![0u8; len];
    io.read_exact(&mut data).await?;
    Ok(data)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, data: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(data.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large"))?;
    io.write_all(&len.to_le_bytes()).await?;
    io.write_all(data).await?;
    io.close().await
}

impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = BlockRequest;
    type Response = BlockResponse;

    async fn read_request<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<BlockRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        let frame = read_frame(io, MAX_REQUEST_BYTES).await?;
        if *protocol == SYNC_PROTOCOL_V1 {
            let BlockRequestV1 { from, direction, max } = decode_all(&frame)?;
            return Ok(BlockRequest { from, direction, max, body: true });
        }
        decode_all(&frame)
    }

    async fn read_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<BlockResponse>
    where
        T: AsyncRead + Unpin + Send,
    {
        decode_all(&read_frame(io, MAX_RESPONSE_BYTES).await?)
    }

    async fn write_request<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        req: BlockRequest,
    ) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        if *protocol == SYNC_PROTOCOL_V1 {
            // A version 1 peer answers with bodies whatever we want; the asker ignores them.
            let BlockRequest { from, direction, max, body: _ } = req;
            return write_frame(io, &BlockRequestV1 { from, direction, max }.encode()).await;
        }
        write_frame(io, &req.encode()).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: BlockResponse,
    ) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &res.encode()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::Cursor;
    use libp2p::request_response::Codec;

    fn request(body: bool) -> BlockRequest {
        BlockRequest { from: FromBlock::Number(9), direction: Direction::Descending, max: 5, body }
    }

    async fn written(protocol: &StreamProtocol, request: BlockRequest) -> Vec<u8> {
        let mut io = Cursor::new(Vec::new());
        SyncCodec.write_request(protocol, &mut io, request).await.expect("written");
        io.into_inner()
    }

    async fn read(protocol: &StreamProtocol, frame: Vec<u8>) -> std::io::Result<BlockRequest> {
        SyncCodec.read_request(protocol, &mut Cursor::new(frame)).await
    }

    #[tokio::test]
    async fn version_1_requests_have_no_body_flag_and_always_get_bodies() {
        // Version 1's wire format: a length prefix, then the start, direction and count.
        let v1 = [&10u32.to_le_bytes()[..], &[1, 9, 0, 0, 0, 1, 5, 0, 0, 0]].concat();
        assert_eq!(written(&SYNC_PROTOCOL_V1, request(false)).await, v1);
        assert_eq!(written(&SYNC_PROTOCOL_V1, request(true)).await, v1);
        assert_eq!(read(&SYNC_PROTOCOL_V1, v1.clone()).await.expect("v1 read"), request(true));
        // Version 2 adds the flag; each version refuses the other's frame.
        let v2 = written(&SYNC_PROTOCOL, request(false)).await;
        assert_eq!(v2, [&11u32.to_le_bytes()[..], &v1[4..], &[0]].concat());
        assert_eq!(read(&SYNC_PROTOCOL, v2.clone()).await.expect("v2 read"), request(false));
        assert!(read(&SYNC_PROTOCOL, v1).await.is_err());
        assert!(read(&SYNC_PROTOCOL_V1, v2).await.is_err());
    }
}
