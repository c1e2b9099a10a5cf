import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { toolNamed, toolSchemas } from '../../activities/tools';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Refusal } from '../common/refusal';
import { parseOrThrow } from '../common/validation';
import { createHttpToolSchema } from './http-tool.schema';
import { HttpToolsService } from './http-tools.service';
import { McpServersService } from '../mcp/mcp-servers.service';

/**
 * The agent's tools: the built-in ones, and custom HTTP tools that call the business's own API.
 * Administrators only; an auth secret goes in and never comes back out.
 */
@Controller('api/tools')
@UseGuards(ApiKeyGuard)
export class HttpToolsController {
  constructor(
    private readonly tools: HttpToolsService,
    private readonly mcpServers: McpServersService,
  ) {}

  /** Built-in tools first (from the registry), then the custom ones: HTTP, then MCP servers' (managed under /api/mcp-servers). */
  @Get()
  async list() {
    const builtIn = toolSchemas().map(({ function: f }) => ({ name: f.name, description: f.description, parameters: f.parameters, risk: toolNamed(f.name)!.risk, builtIn: true }));
    const custom = (await this.tools.list()).map((tool) => ({ ...tool, builtIn: false }));
    const mcp = (await this.mcpServers.offered()).map((tool) => ({ ...tool, builtIn: false, mcp: true }));
    return [...builtIn, ...custom, ...mcp];
  }

  @Post()
  async create(@Body() body: unknown) {
    try {
      return await this.tools.create(parseOrThrow(createHttpToolSchema, body));
    } catch (err) {
      if (err instanceof Refusal) throw new ConflictException({ error: err.code, message: err.message });
      throw err;
    }
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string): Promise<void> {
    if (toolNamed(name)) throw new BadRequestException({ error: 'built_in_tool', message: `${name} is a built-in tool and cannot be removed` });
    if (!(await this.tools.remove(name))) throw new NotFoundException({ error: 'not_found', message: `No custom tool ${name}` });
  }
}
