import { BadGatewayException, BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Refusal } from '../common/refusal';
import { parseOrThrow } from '../common/validation';
import { OutboundUrlError } from '../security/outbound-url';
import { createMcpServerSchema } from './mcp-server.schema';
import { McpServersService, McpServerUnreachable } from './mcp-servers.service';

/**
 * MCP servers whose tools the agent offers as `<server>__<tool>`, beside the built-in and custom HTTP
 * tools. Administrators only; header values (an Authorization) go in and never come back out.
 */
@Controller('api/mcp-servers')
@UseGuards(ApiKeyGuard)
export class McpServersController {
  constructor(private readonly servers: McpServersService) {}

  @Get()
  list() {
    return this.servers.list();
  }

  @Post()
  create(@Body() body: unknown) {
    return answer(() => this.servers.create(parseOrThrow(createMcpServerSchema, body)));
  }

  /** Lists the server's tools again (after it changed them); the previous snapshot stays if it cannot be reached. */
  @Post(':id/refresh')
  @HttpCode(200)
  async refresh(@Param('id', ParseUUIDPipe) id: string) {
    const refreshed = await answer(() => this.servers.refresh(id));
    if (!refreshed) throw new NotFoundException({ error: 'not_found', message: `No MCP server ${id}` });
    return refreshed;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    if (!(await this.servers.remove(id))) throw new NotFoundException({ error: 'not_found', message: `No MCP server ${id}` });
  }
}

/** The service's refusals as HTTP: a taken name 409, a refused URL 400, a server that did not answer 502. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Refusal) throw new ConflictException({ error: err.code, message: err.message });
    if (err instanceof OutboundUrlError) throw new BadRequestException({ error: 'refused_url', message: err.message });
    if (err instanceof McpServerUnreachable) throw new BadGatewayException({ error: 'mcp_unreachable', message: err.message });
    throw err;
  }
}
